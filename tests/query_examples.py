"""Queries whose coverage answer is known, for the coverage tests that run the bundled model:
a keyword log about home networking and cooking, question-style training queries about
networking only (so cooking is the uncovered topic)."""

NETWORK_LOG = ["router reset", "wifi password change", "modem blinking orange", "slow wifi evening",
               "router firmware update", "mesh wifi setup", "ethernet no internet", "dns server error",
               "port forwarding router", "wifi extender pairing", "ip address conflict", "router admin login"]
COOKING_LOG = ["pancake recipe fluffy", "how long boil egg", "sourdough starter feeding", "roast chicken temperature",
               "pasta carbonara recipe", "cookies without eggs", "rice cooker ratio water", "knead bread dough time",
               "vegan chili recipe", "caramel sauce burnt", "banana bread moist", "steak medium rare minutes"]
NETWORK_QUESTIONS = [
    "How do I reset my router to its factory settings?", "How can I change the password of my wifi network?",
    "Why is the light on my modem blinking orange?", "Why does my wifi get so slow in the evening?",
    "How do I update the firmware of my router?", "How do I set up a mesh wifi system at home?",
    "Why do I have no internet when my computer is plugged in with an ethernet cable?",
    "What does a DNS server error mean and how do I fix it?", "How do I forward a port on my router?",
    "How do I pair a wifi extender with my router?", "What should I do about an IP address conflict?",
    "How do I log in to the admin page of my router?", "Which wifi channel should I use to avoid interference?",
    "How can I see which devices are connected to my network?"]
