"""Constructed query pairs with known answers, for the tests and for calibrating
`paraphrase-threshold` (bench/calibrate_semantic.py): true paraphrases, and different questions
on one topic (which must not be reported)."""

PARAPHRASES = [
    ("How do I reset my password?", "What are the steps to reset my password?"),
    ("What is the capital of France?", "Which city is the capital of France?"),
    ("How many calories are in a banana?", "How many calories does a banana contain?"),
    ("When was the Eiffel Tower built?", "In what year was the Eiffel Tower constructed?"),
    ("How do I cancel my subscription?", "How can I cancel my subscription?"),
    ("What is the boiling point of water?", "At what temperature does water boil?"),
    ("Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?"),
    ("How long does it take to boil an egg?", "How long should I boil an egg?"),
    ("Is the tool belt comfortable for all-day wear?", "How comfortable is the tool belt for all-day wear?"),
    ("Can I return an item without a receipt?", "Is it possible to return an item without a receipt?"),
    ("What does BM25 stand for?", "What is the meaning of the name BM25?"),
    ("How do I change the oil in my car?", "How can I change my car's oil?"),
    ("What are the symptoms of the flu?", "What symptoms does the flu cause?"),
    ("How do I convert Celsius to Fahrenheit?", "How can I convert a temperature from Celsius to Fahrenheit?"),
    ("Where can I download the invoice for my order?", "Where do I download my order's invoice?"),
    ("How do I install Python on Windows?", "How can I install Python on a Windows computer?"),
]

SAME_TOPIC = [
    ("How do I reset my password?", "How do I change my username?"),
    ("What is the capital of France?", "What is the population of France?"),
    ("How many calories are in a banana?", "How much potassium is in a banana?"),
    ("When was the Eiffel Tower built?", "How tall is the Eiffel Tower?"),
    ("How do I cancel my subscription?", "How do I upgrade my subscription?"),
    ("What is the boiling point of water?", "What is the freezing point of water?"),
    ("Who wrote Pride and Prejudice?", "When was Pride and Prejudice published?"),
    ("How long does it take to boil an egg?", "How do I peel a boiled egg?"),
    ("Is the tool belt comfortable for all-day wear?", "How many pockets does the tool belt have?"),
    ("Can I return an item without a receipt?", "How long do I have to return an item?"),
    ("What does BM25 stand for?", "How does BM25 handle document length?"),
    ("How do I change the oil in my car?", "How often should I rotate my car's tires?"),
    ("What are the symptoms of the flu?", "How long is the flu contagious?"),
    ("How do I convert Celsius to Fahrenheit?", "How do I convert Fahrenheit to Kelvin?"),
    ("Where can I download the invoice for my order?", "Where can I track my order?"),
    ("How do I install Python on Windows?", "How do I uninstall Python on Windows?"),
    ("What is 15% of 80?", "What is 25% of 80?"),
    ("Solve 2x + 3 = 7", "Solve 2x + 5 = 7"),
]


# Real cohere_synthetic_finetune pair: one template, two different questions (cosine 0.94, the
# differing sentences 0.64): RL601 may only guess (info).
DRILL = ("A user asked the following question:\nQuestion: Is this drill good for working in {}?\nThis is about the "
         "following product:\nProduct Title: Cordless Drill\nProduct Description: This compact 12V cordless drill is "
         "ideal for tight spaces and light-duty tasks. It features an LED light for better visibility in dark areas.\n")

# Unrelated queries that pad a file so that no pair in it is the only one.
FILLER = ["What is the tallest mountain in Africa?", "How do vaccines train the immune system?",
          "Which programming language did Guido van Rossum create?", "What causes the northern lights?"]
