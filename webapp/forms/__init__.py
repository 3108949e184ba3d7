"""WTForms forms, one module per feature. The same form validates the HTML post and the JSON body
(ARCHITECTURE.md, "Same form, two faces")."""
