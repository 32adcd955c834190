"""The composition root: the one place the system is assembled from its settings.

Settings in, parts out: the brain, the store client (the real API or the demo store), the
carriers, the checkpoint saver, the ticket store, the WhatsApp client and how personal data
is kept at rest. The web service, the command line, the evals, the benchmarks and the tests
all build the system here, so each of them sits above this package and none of them above
another's internals; the agent, its tools and the integrations sit below it.
"""
