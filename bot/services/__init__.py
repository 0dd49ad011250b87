"""The use cases, one module per phase, and the pieces they share.

Services use storage, views and the Bot; they never import `handlers`.
"""
