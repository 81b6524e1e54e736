"""One loader for the text files under prompts/ (page words, answer, reason and LLM templates,
intents): each file is read by `files`, checked against its schema (`schema`; the schemas
are the `*_spec` modules) and fails with the file, the key path and the placeholder."""
