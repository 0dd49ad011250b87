"""Training and evaluating the channel classifier (`python -m bot playbook train|eval`).

Development only: it needs scikit-learn from the dev dependency group, imported lazily, and
the labelled corpus in tests/data. The bot itself only reads the model it writes.
"""
