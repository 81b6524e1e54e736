"""The leader's page (a file, so Streamlit and AppTest can address it)."""

from ui.views.leader import page

page()
