"""The `openai` brain: a GPT-4-class model behind the same graph, with the rules as net."""
