"""Policy: the rules of the response as versioned data, and pure functions that apply them.

Not a Django app and free of models: a rule set is a frozen dataclass built from JSON (`data/`, one file per
family and version), picked by the date it is in force on (`rulesets.in_force`), and read by one evaluator per
family (`levels`, `confirmation`, `quarantine`, `homecare`, `tiers`, `contacts`). Each evaluator returns its
decision with the reasons and the name of the version that made it, for the caller to store.
"""
