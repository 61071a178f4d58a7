"""Ships the pipeline's Python packages (python/: the StateFlow kernel and stateflow_beam)
to remote workers: `python pipeline.py --runner DataflowRunner --setup_file ./setup.py ...`."""
import setuptools

setuptools.setup(
    name="stateflow-beam-pipeline",
    version="0.0.0",
    package_dir={"": "python"},
    packages=setuptools.find_packages("python"),
    package_data={"stateflow_beam": ["program.ir.json"]},
    install_requires=["kafka-python>=3.0"],
)
