"""The admin page (a file, so Streamlit and AppTest can address it)."""

from ui.views.admin import page

page()
