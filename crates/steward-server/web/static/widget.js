// Placeholder: the widget loader (replaced by the front-end branch).
