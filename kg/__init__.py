"""newskg: a knowledge graph, with SPARQL access, of what news articles claim."""

__version__ = "0.1.0"
