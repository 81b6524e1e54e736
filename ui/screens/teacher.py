"""The teacher page (a file, so Streamlit and AppTest can address it)."""

from ui.views.teacher import page

page()
