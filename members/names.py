"""People's names: one full name as the person writes it, and the part a list sorts by.

A name is not split into given and family names (many are not made that way); the
name to sort by is asked for, and guessed as the last word when left empty.
"""


def tidy(text: str) -> str:
    """A name as typed, with its runs of spaces made one."""
    return " ".join((text or "").split())


def guess_sort_name(full_name: str) -> str:
    """The last word of the name: "Vera van der Berg" sorts by "Berg" unless they say otherwise."""
    words = tidy(full_name).split(" ")
    return words[-1] if words else ""


def sort_name_for(full_name: str, sort_name: str = "") -> str:
    """The name to sort by that was given, else the guess."""
    return tidy(sort_name) or guess_sort_name(full_name)
