"""Combines the scenario programs into one module, so that one deployment hosts them all.

An engine job takes seconds to start and stop; the kit has dozens of programs. This
writes one module holding every scenario's ``app.py``, with the module-level names that
two scenarios both define (entity classes, helpers, constants, imports) renamed per
scenario to ``<name>_sfc<n>``, so that the programs cannot see each other. Each
scenario then runs against the shared deployment with its own entity names mapped in
its calls and back in the answers (``@stateflow/conformance`` ``runConformanceCombined``).

Renaming works on the syntax tree (``ast``): module-level definitions, every use of the
name as a variable, ``global`` statements, import aliases and string annotations
(``"Node"``). Parameters are never renamed (callers may pass them by keyword): a
scenario with a parameter named like a renamed module-level name is left out, as is a
scenario whose steps name an entity that another scenario defines (its "unknown entity"
steps would find one).

Usage: python3 combine.py <scenario-dir> [<scenario-dir> ...]   (dirs named <feature>/<name>)
Prints one JSON object: ``{"source": str, "renames": {id: {name: new}}, "excluded": {id: reason}}``.
"""
import ast
import json
import os
import sys

SUFFIX = "_sfc"


def scenario_id(path):
    parts = os.path.normpath(path).split(os.sep)
    return "/".join(parts[-2:])


def module_bindings(tree):
    """Module-level names a module binds, each with what binds it (for identical imports)."""
    out = {}

    def bind(name, what):
        out.setdefault(name, set()).add(what)

    def targets(node, what):
        if isinstance(node, ast.Name):
            bind(node.id, what)
        elif isinstance(node, (ast.Tuple, ast.List)):
            for elt in node.elts:
                targets(elt, what)
        elif isinstance(node, ast.Starred):
            targets(node.value, what)

    for stmt in tree.body:
        if isinstance(stmt, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            bind(stmt.name, ("def", id(stmt)))
        elif isinstance(stmt, ast.Assign):
            for t in stmt.targets:
                targets(t, ("assign", id(stmt)))
        elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
            targets(stmt.target, ("assign", id(stmt)))
        elif isinstance(stmt, ast.Import):
            for a in stmt.names:
                bind(a.asname or a.name.split(".")[0], ("import", a.name, None))
        elif isinstance(stmt, ast.ImportFrom):
            for a in stmt.names:
                bind(a.asname or a.name, ("import", stmt.module, a.name))
        elif isinstance(stmt, (ast.For, ast.With, ast.If, ast.Try, ast.While)):
            # Module-level compound statements are rare in the kit; bind what they assign.
            for node in ast.walk(stmt):
                if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                    bind(node.id, ("assign", id(stmt)))
    return out


def entity_names(tree):
    names = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ClassDef):
            for d in stmt.decorator_list:
                if isinstance(d, ast.Name) and d.id == "stateflow":
                    names.add(stmt.name)
    return names


class Renamer(ast.NodeTransformer):
    """Renames the names in ``mapping`` everywhere they denote the module-level binding."""

    def __init__(self, mapping):
        self.mapping = mapping
        self.class_depth = 0
        self.in_annotation = False

    def rename(self, name):
        return self.mapping.get(name, name)

    def visit_Name(self, node):
        node.id = self.rename(node.id)
        return node

    def visit_Global(self, node):
        node.names = [self.rename(n) for n in node.names]
        return node

    visit_Nonlocal = visit_Global  # a local name is renamed with all its uses

    def visit_alias(self, node):
        bound = node.asname or node.name.split(".")[0]
        if bound in self.mapping:
            node.asname = self.mapping[bound]
        return node

    def visit_arg(self, node):
        if node.arg in self.mapping:
            raise ValueError("parameter '%s' has the name of a renamed module-level name" % node.arg)
        if node.annotation is not None:
            node.annotation = self.annotation(node.annotation)
        return node

    def visit_ClassDef(self, node):
        node.name = self.rename(node.name) if self.class_depth == 0 else node.name
        self.class_depth += 1
        self.generic_visit(node)
        self.class_depth -= 1
        return node

    def visit_FunctionDef(self, node):
        # Methods are attributes of their class, not module-level names.
        inside_class = self.class_depth > 0
        if not inside_class:
            node.name = self.rename(node.name)
        saved = self.class_depth
        self.class_depth = 0
        if node.returns is not None:
            node.returns = self.annotation(node.returns)
        self.generic_visit(node)
        self.class_depth = saved
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_AnnAssign(self, node):
        node.annotation = self.annotation(node.annotation)
        self.generic_visit(node)
        return node

    def annotation(self, node):
        """An annotation may hold strings naming an entity (``"Node"``, ``List["Node"]``)."""
        saved, self.in_annotation = self.in_annotation, True
        node = self.visit(node)
        self.in_annotation = saved
        return node

    def visit_Constant(self, node):
        if self.in_annotation and isinstance(node.value, str):
            try:
                inner = ast.parse(node.value, mode="eval")
            except SyntaxError:
                return node
            node.value = ast.unparse(self.visit(inner.body))
        return node


def main(dirs):
    scenarios = []
    for d in dirs:
        with open(os.path.join(d, "app.py"), encoding="utf-8") as f:
            source = f.read()
        with open(os.path.join(d, "scenario.json"), encoding="utf-8") as f:
            steps = json.load(f)
        scenarios.append((scenario_id(d), ast.parse(source), steps))

    # A name needs renaming when two scenarios bind it, unless every binding is the same import.
    bound_by = {}
    for sid, tree, _ in scenarios:
        for name, whats in module_bindings(tree).items():
            bound_by.setdefault(name, []).append((sid, whats))
    clashing = set()
    for name, users in bound_by.items():
        if len(users) < 2:
            continue
        kinds = set().union(*(w for _, w in users))
        if not (len(kinds) == 1 and next(iter(kinds))[0] == "import"):
            clashing.add(name)

    all_entities = set()
    for _, tree, _ in scenarios:
        all_entities |= entity_names(tree)

    parts, renames, excluded = [], {}, {}
    for n, (sid, tree, steps) in enumerate(scenarios):
        own = entity_names(tree)
        foreign = sorted({s["entity"] for s in steps if s["entity"] not in own and s["entity"] in all_entities})
        if foreign:
            excluded[sid] = "its steps name %s, which another scenario defines" % ", ".join(foreign)
            continue
        mapping = {name: "%s%s%d" % (name, SUFFIX, n) for name in module_bindings(tree) if name in clashing}
        try:
            renamed = Renamer(mapping).visit(tree)
        except ValueError as e:
            excluded[sid] = str(e)
            continue
        ast.fix_missing_locations(renamed)
        parts.append("# --- %s ---\n%s\n" % (sid, ast.unparse(renamed)))
        renames[sid] = mapping
    header = "# Every conformance scenario program in one module (generated by reference/combine.py).\n"
    print(json.dumps({"source": header + "\n\n".join(parts), "renames": renames, "excluded": excluded}))


if __name__ == "__main__":
    main(sys.argv[1:])
