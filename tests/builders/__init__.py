"""Domain objects as tests build them, shared by unit and end-to-end tests alike."""
