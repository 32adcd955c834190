"""Brazilian Portuguese as customers write it, read by rules: no model, no network.

Folding (accents, slang, typos), the entities a message carries (order numbers, tracking
codes, e-mails, CPFs, phones, validated), the intent cues and the problem and mood cues.
The rules brain, the trained understanding model (which reads the cues as features) and
the evals all read messages through this package; it imports none of them.
"""
