"""What the app shows and hands out, as numpy / plotly / bytes (no Streamlit).

samples, channels, charts, tables (scores) and export (PNG, ZIP, data URIs).
"""
