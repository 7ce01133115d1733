"""Flask-WTF forms. The trainee form is built from the questionnaire definition."""
