"""The parent page (a file, so Streamlit and AppTest can address it)."""

from ui.views.parent import page

page()
