"""The student page (a file, so Streamlit and AppTest can address it)."""

from ui.views.student import page

page()
