# Convenience wrappers; dev.py does the work (a fresh machine may have Python but no make).
.PHONY: demo test
demo:
	python3 dev.py demo
test:
	python3 dev.py test
