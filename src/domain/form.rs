//! What was wrong with a form, field by field, as catalogue keys. Pure, so
//! that domain rules can report problems; `error` turns it into a response.

/// Field-by-field validation failures; each message is a catalogue key.
#[derive(Debug, Default, Clone)]
pub struct FormErrors(Vec<(&'static str, String)>);

impl FormErrors {
    pub fn add(&mut self, field: &'static str, key: impl Into<String>) {
        if self.get(field).is_none() {
            self.0.push((field, key.into()));
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| k.as_str())
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(f, k)| (*f, k.as_str()))
    }
}
