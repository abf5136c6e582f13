"""A test's source, rewritten so that its values are out of student code's reach and the runner
looks before each step the test takes.

The test's own values (the reference it computed, its spies' records, its inputs) live in the
locals of one function that holds the whole test: no code of the student's can read a frame, so
no function or class the test hands over (or that `object.__subclasses__()` finds) leads to them
through its globals. What a function of the test's closes over is a cell it can reach; those
names are noted as the test binds them (below), and checked like the rest.

Student code runs while a test runs (the test calls it), and can change what the test uses
next: a function of `course.checks` or torch, `torch.Tensor.__eq__` or a property, a name of
the test's own. A change that puts itself back when it is used leaves nothing for the checks
after the test to see. So every call, operator, subscript, attribute read and assertion in the
test's code goes through a check first, made at that moment, when what the test relies on must
be as the test itself left it (`runner.Child.check_before_call`):

    checks.assert_close(got, expected)
    ->  '@method@'.__call__(checks, 'assert_close', got, expected)
    out == expected
    ->  '@call@'.__call__('@op:eq@', out, expected)

and after each statement, the names it bound are noted as the test's own
(`'@seen@'.__call__(('got',))`): a cell of the test's that changes otherwise was changed by
student code. The whole test becomes

    @'@call@'.__call__
    def __test__():
        '@cells@'.__call__(lambda: (got, ...))   # the cells, for the runner to read
        ...the test, rewritten...
    del __test__

(the decorator runs it; the function is never bound while it runs). The child replaces these
string constants with its hooks (and `_operator`'s functions) in the compiled code, `@seen@` and
`@cells@` only in `__test__`'s own code, which nothing of the student's reaches. Done here, in
the grader's process: in the child, student code has run and could have changed `ast`. A test
therefore has no `global`, no `nonlocal` (a value its own function rebinds would look like
student code's doing) and no `import *`.

Not rewritten: the bodies of classes the test defines (a module's `forward` is traced and
exported by torch, which must see the test's own code), calls that look at the frame that makes
them (`super()`, `locals()`, `globals()`, `vars()`, `dir()`, `eval`, `exec`), chained and
identity comparisons, and what runs implicitly: `with`, truth in `if` and `while`, augmented
assignments, stores, and the steps of an iteration after its start.
"""

from __future__ import annotations

import ast
from functools import cache

from autograder.guard import (
    ATTRIBUTE_MARK,
    CALL_MARK,
    CELLS_MARK,
    METHOD_MARK,
    SEEN_MARK,
    SLICE_MARK,
    TEST_FUNCTION,
)

FRAME_READERS = frozenset(
    {"super", "locals", "globals", "vars", "dir", "eval", "exec", "breakpoint"}
)
# Expressions whose names are their own (comprehensions bind in a scope of their own).
SCOPES = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
# Statements whose blocks run in the test's own scope.
BLOCKS = (ast.If, ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith, ast.Try, ast.TryStar)


@cache
def watched(source: str) -> str:
    """`source` as the body of a function the runner calls, with every call checked first and
    its bindings noted; a source that does not compile is left as it is (the child reports the
    error)."""
    try:
        compile(source, "<test>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError):
        return source
    tree = ast.parse(source)
    future = [s for s in tree.body if isinstance(s, ast.ImportFrom) and s.module == "__future__"]
    tree = _Calls().visit(ast.Module(body=tree.body[len(future):], type_ignores=[]))
    test = ast.FunctionDef(
        name=TEST_FUNCTION,
        args=_no_arguments(),
        body=_noting_bindings(tree.body) or [ast.Pass()],
        decorator_list=[ast.Attribute(value=ast.Constant(CALL_MARK), attr="__call__",
                                      ctx=ast.Load())],
        returns=None,
    )
    module = ast.Module(
        body=[*future, test, ast.Delete(targets=[ast.Name(TEST_FUNCTION, ctx=ast.Del())])],
        type_ignores=[],
    )
    cells = _cell_names(module)
    if cells:
        every_cell = ast.Tuple(elts=[ast.Name(n, ctx=ast.Load()) for n in cells], ctx=ast.Load())
        reader = ast.Lambda(args=_no_arguments(), body=every_cell)
        test.body.insert(0, ast.Expr(_hook(CELLS_MARK, [reader], [])))
    # A test that cannot be a function's body (`import *`) fails in the child with the reason.
    return ast.unparse(ast.fix_missing_locations(module))


def _no_arguments() -> ast.arguments:
    return ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])


def _cell_names(module: ast.Module) -> tuple[str, ...]:
    """The names of the test's that a function, class or comprehension inside it closes over."""
    try:
        code = compile(ast.fix_missing_locations(module), "<test>", "exec", dont_inherit=True)
    except SyntaxError:
        return ()
    test = next(c for c in code.co_consts if isinstance(c, type(code)))
    return test.co_cellvars


def _hook(mark: str, args: list[ast.expr], keywords: list[ast.keyword]) -> ast.Call:
    # `'@call@'.__call__(...)`: calling the string itself would make the compiler warn, and the
    # warning would run Python's `warnings` code in the child.
    func = ast.Attribute(value=ast.Constant(mark), attr="__call__", ctx=ast.Load())
    return ast.Call(func=func, args=args, keywords=keywords)


OPERATORS = {
    ast.Eq: "eq", ast.NotEq: "ne", ast.Lt: "lt", ast.LtE: "le", ast.Gt: "gt", ast.GtE: "ge",
    ast.In: "in", ast.NotIn: "not_in", ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul",
    ast.MatMult: "matmul", ast.Div: "truediv", ast.FloorDiv: "floordiv", ast.Mod: "mod",
    ast.Pow: "pow", ast.LShift: "lshift", ast.RShift: "rshift", ast.BitOr: "or_",
    ast.BitXor: "xor", ast.BitAnd: "and_", ast.USub: "neg", ast.UAdd: "pos",
    ast.Invert: "invert", ast.Not: "not_",
}


def _operation(name: str, *operands: ast.expr) -> ast.Call:
    return _hook(CALL_MARK, [ast.Constant(f"@op:{name}@"), *operands], [])


class _Calls(ast.NodeTransformer):
    """Every call, attribute read, operator, subscript and assertion of the test's code made
    through the hooks (each runs the check first): each may run code that student code could
    have replaced (a function, a property, `torch.Tensor.__eq__`...)."""

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        # The class statement's decorators and bases are the test's code; its body is left as
        # written (see the module docstring).
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.bases = [self.visit(b) for b in node.bases]
        node.keywords = [self.visit(k) for k in node.keywords]
        return node

    def visit_Call(self, node: ast.Call) -> ast.Call:
        node.args = [self.visit(a) for a in node.args]
        node.keywords = [self.visit(k) for k in node.keywords]
        func = node.func
        if isinstance(func, ast.Name) and func.id in FRAME_READERS:
            return node
        if isinstance(func, ast.Attribute):  # one check for the read and the call
            target = self.visit(func.value)
            return _hook(METHOD_MARK, [target, ast.Constant(func.attr), *node.args], node.keywords)
        return _hook(CALL_MARK, [self.visit(func), *node.args], node.keywords)

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        node.value = self.visit(node.value)
        if not isinstance(node.ctx, ast.Load):
            return node
        return _hook(ATTRIBUTE_MARK, [node.value, ast.Constant(node.attr)], [])

    def visit_Subscript(self, node: ast.Subscript) -> ast.expr:
        node.value = self.visit(node.value)
        node.slice = self.visit(node.slice)
        if not isinstance(node.ctx, ast.Load):
            return node
        return _operation("getitem", node.value, _as_value(node.slice))

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        if _literal(node.left) and _literal(node.right):
            return node  # `2 ** 10`, `-1`: constants the compiler folds, no code of anyone's
        return _operation(OPERATORS[type(node.op)], node.left, node.right)

    def visit_UnaryOp(self, node: ast.UnaryOp) -> ast.expr:
        self.generic_visit(node)
        if _literal(node.operand):
            return node
        return _operation(OPERATORS[type(node.op)], node.operand)

    def visit_Compare(self, node: ast.Compare) -> ast.expr:
        self.generic_visit(node)
        if len(node.ops) != 1 or type(node.ops[0]) not in OPERATORS:
            return node  # `is`, `is not` (no code runs) and chains (`a < b < c`) as written
        return _operation(OPERATORS[type(node.ops[0])], node.left, node.comparators[0])

    def visit_For(self, node: ast.For) -> ast.For:
        self.generic_visit(node)
        node.iter = _operation("iter", node.iter)  # `__iter__` runs as the loop starts
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.comprehension:
        self.generic_visit(node)
        if not node.is_async:
            node.iter = _operation("iter", node.iter)
        return node

    def visit_Assert(self, node: ast.Assert) -> ast.Assert:
        self.generic_visit(node)
        node.test = _operation("truth", node.test)
        return node


def _literal(node: ast.expr) -> bool:
    """A number, string, `None` or `True` written in the test (or an operator on such)."""
    if isinstance(node, ast.UnaryOp):
        return _literal(node.operand)
    if isinstance(node, ast.BinOp):
        return _literal(node.left) and _literal(node.right)
    return isinstance(node, ast.Constant)


def _as_value(index: ast.expr) -> ast.expr:
    """A subscript's index as a value: `a[1:2, 0]` indexes with `(slice(1, 2, None), 0)`."""
    if isinstance(index, ast.Slice):
        parts = [index.lower, index.upper, index.step]
        return _hook(SLICE_MARK, [p if p is not None else ast.Constant(None) for p in parts], [])
    if isinstance(index, ast.Tuple):
        return ast.Tuple(elts=[_as_value(e) for e in index.elts], ctx=ast.Load())
    return index


def _noting_bindings(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of the test (and of the blocks inside them), each followed
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
        # What its blocks bound is noted inside them; what is bound by an `except ... as`
        # is deleted as the block ends.
        names = [h.name for h in getattr(statement, "handlers", []) if h.name]
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
    """The names a simple statement of the test (or a `def`, `class`) binds or deletes (not what
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
        pending += ast.iter_child_nodes(node)
    return names


def _targets(target: ast.expr) -> list[str]:
    return [n.id for n in ast.walk(target) if isinstance(n, ast.Name)]
