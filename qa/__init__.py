"""cableqa's core, in rooms that depend one way (docs/architecture.md):

    qa.cli, qa.startup      the command line and the wiring of objects from settings
    qa.service              CableIndex, the facade every command and route calls
    qa.ingest, qa.search    turning cables into vectors; ranking and cited answers
    qa.store                segments and generations on disk and the snapshot searches read
    qa.cables               parsing a cable's text into immutable records
"""
