import lotse


def test_all_names_exist_and_are_public() -> None:
    for name in lotse.__all__:
        assert hasattr(lotse, name), name
        assert not name.startswith("_") or name == "__version__"


def test_all_is_the_whole_public_surface() -> None:
    public = {
        name
        for name in vars(lotse)
        if not name.startswith("_") and type(getattr(lotse, name)).__name__ != "module"
    }
    assert public == set(lotse.__all__) - {"__version__"}


def test_all_is_sorted_so_reviews_see_additions() -> None:
    assert lotse.__all__ == sorted(lotse.__all__)


def test_the_server_uses_only_the_public_api() -> None:
    """lotse_server is an adapter around `lotse.__all__`, never around its private modules."""
    import ast
    from pathlib import Path

    import lotse_server

    private = []
    for module in Path(lotse_server.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                names = [f"{node.value.id}.{node.attr}"] if node.value.id == "lotse" else []
            private += [
                f"{module.name}:{node.lineno}: {name}"
                for name in names
                if name.startswith("lotse.")
                and name.split(".")[1].startswith("_")
                and not name.split(".")[1].startswith("__")  # module dunders are public
            ]
    assert private == []
