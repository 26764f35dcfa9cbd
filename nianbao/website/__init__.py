"""The site stage (`python build_site.py`): check -> render -> write; named apart from the generated site/."""
