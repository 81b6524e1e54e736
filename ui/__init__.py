"""The Streamlit app: a thin layer of pages over `assistant` (all logic lives there)."""
