"""Answer plans: one coherent reply per kind of question, led by the direct answer."""
