"""The document index that ingest writes and retrieval reads: the index records (files, chunks,
the embedding cache, a generation counter in `index.sqlite3`) and the vector store (Chroma)."""
