"""WTForms forms, one module per feature. The same form validates the HTML post and the JSON body
(ARCHITECTURE.md, "Same form, two faces")."""


def select_choices(pairs) -> list:
    """(value, label) pairs as WTForms SelectChoice objects (tuples are deprecated in WTForms 3.3)."""
    from wtforms.fields.choices import SelectChoice

    return [SelectChoice(value, label) for value, label in pairs]
