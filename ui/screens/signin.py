"""The signin page (a file, so Streamlit and AppTest can address it)."""

from ui.views.signin import page

page()
