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
