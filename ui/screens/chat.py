"""The chat page (a file, so Streamlit and AppTest can address it)."""

from ui.views.chat import page

page()
