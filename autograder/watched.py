"""A test's source, rewritten so that the runner looks before each call the test makes.

Student code runs while a test runs (the test calls it), and can change what the test calls
next: a function of `course.checks` or torch, or a name of the test's own. A change that puts
itself back when it is called leaves nothing for the checks after the test to see. So every
call in the test's code goes through a check first, made at the moment the test calls, when
what the test relies on must be as the test itself left it (`runner.Child.check_before_call`):

    checks.assert_close(got, expected)
    ->  '@call@'.__call__(checks.assert_close, got, expected)

and after each statement of the test's top level, the names it bound are noted as the test's
own (`'@seen@'.__call__(('got',))`): a name of the test's that changes otherwise was changed by
student code. The child replaces the two string constants with its hooks in the compiled
code. Done here, in the grader's process: in the child, student code has run and could have
changed `ast`.

Not rewritten: the bodies of classes the test defines (a module's `forward` is traced and
exported by torch, which must see the test's own code), and calls that look at the frame that
makes them (`super()`, `locals()`, `globals()`, `vars()`, `dir()`, `eval`, `exec`).
"""

from __future__ import annotations

import ast
from functools import cache

from autograder.guard import CALL_MARK, SEEN_MARK

FRAME_READERS = frozenset(
    {"super", "locals", "globals", "vars", "dir", "eval", "exec", "breakpoint"}
)
# Expressions whose names are their own (comprehensions bind in a scope of their own).
SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Statements whose blocks run in the test's top-level scope.
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar)


@cache
def watched(source: str) -> str:
    """`source` with every call checked first and its top-level bindings noted; a source that
    does not parse is left as it is (the child reports the syntax error)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return source
    tree = _Calls().visit(tree)
    tree.body = _noting_bindings(tree.body)
    rewritten = ast.unparse(ast.fix_missing_locations(tree))
    try:
        compile(rewritten, "<test>", "exec", dont_inherit=True)
    except SyntaxError:  # never seen: `ast.unparse` writes valid Python; then it runs unwatched
        return source
    return rewritten


def _hook(mark: str, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
    # `'@call@'.__call__(...)`: calling the string itself would make the compiler warn, and the
    # warning would run Python's `warnings` code in the child.
    func = ast.Attribute(value=ast.Constant(mark), attr="__call__", ctx=ast.Load())
    return ast.Call(func=func, args=args, keywords=keywords)


class _Calls(ast.NodeTransformer):
    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        # The class statement's decorators and bases are the test's code; its body is left as
        # written (see the module docstring).
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        self.generic_visit(node)
        if isinstance(node.func, ast.Name) and node.func.id in FRAME_READERS:
            return node
        return _hook(CALL_MARK, [node.func, *node.args], node.keywords)


def _noting_bindings(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of the test's top level (and of the blocks inside them), each followed
    by a note of the names it binds; the names a block's header binds (a `for` target, a
    `with ... as`, an `except ... as`) are noted as the block starts."""
    result = []
    for statement in body:
        if isinstance(statement, (ast.With, ast.AsyncWith)) and len(statement.items) > 1:
            # `with a as x, b:` is `with a as x:` around `with b:`, and so noted: `x` is the
            # test's before `b` is called
            inner = type(statement)(items=statement.items[1:], body=statement.body)
            statement = type(statement)(items=statement.items[:1], body=[inner])
        if not isinstance(statement, BLOCKS):  # a function's or class's body is its own scope
            result.append(statement)
            names = _bound_names(statement)
            if names:
                result.append(_note(names))
            continue
        for field in ("body", "orelse", "finalbody"):
            block = getattr(statement, field, None)
            if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
                setattr(statement, field, _noting_bindings(block))
        header = _header_names(statement)
        if header:
            statement.body.insert(0, _note(header))
        for handler in getattr(statement, "handlers", []):
            handler.body = _noting_bindings(handler.body)
            if handler.name:
                handler.body.insert(0, _note([handler.name]))
        result.append(statement)
        names = _bound_names(statement)
        if names:
            result.append(_note(names))
    return result


def _note(names: list[str]) -> ast.Expr:
    constant = ast.Tuple(elts=[ast.Constant(n) for n in sorted(set(names))], ctx=ast.Load())
    return ast.Expr(_hook(SEEN_MARK, [constant], []))


def _header_names(statement: ast.stmt) -> list[str]:
    if isinstance(statement, (ast.For, ast.AsyncFor)):
        return _targets(statement.target)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        bound = [item.optional_vars for item in statement.items if item.optional_vars]
        return [name for target in bound for name in _targets(target)]
    return []


def _bound_names(statement: ast.stmt) -> list[str]:
    """The top-level names a statement binds or deletes, blocks inside it included (not what
    functions and classes it defines bind inside themselves)."""
    names: list[str] = []
    pending: list[ast.AST] = [statement]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
            pending += node.decorator_list
            continue  # its body is a scope of its own
        if isinstance(node, SCOPES):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.append(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.append(node.name)  # bound, then deleted as the block ends
        pending += ast.iter_child_nodes(node)
    return names


def _targets(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
