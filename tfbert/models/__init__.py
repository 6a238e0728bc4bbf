"""transformers v4's ``transformers.models`` module paths; tfbert serves ``models.bert``."""
