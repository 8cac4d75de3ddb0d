"""The knowledge base the agent searches and cites: collections of versioned articles, imports and website crawls,
chunks and embeddings of the published versions, hybrid retrieval (pgvector HNSW and full text, fused by rank),
and the ``search_knowledge`` / ``get_article`` tool requests routed here, answered with citations.

Start at ``service.py``; the search path is ``indexing.py`` → ``embeddings.py`` → ``retrieval.py``.
"""
