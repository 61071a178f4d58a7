"""StateFlow on Cloudburst: the function Cloudburst runs (``StateflowFunction``), the
registration of a program, and the gateway that puts the Lambda Invoke API in front of
Cloudburst's scheduler. Python 3.7 (Cloudburst's executors) or newer."""
