"""OneRoster 1.2 CSV binding: import a set into the learner model, export a class report."""
