//! CSV (RFC 4180) as the gateway's downloads write it (the driver's access
//! history, monthly statements): a header line, then one line per record,
//! CRLF line ends, a field quoted only when it holds a comma, a quote or a
//! line break; and the answer that downloads it as an attachment.

use actix_web::HttpResponse;

/// A CSV document being written.
#[derive(Debug)]
pub struct Csv(String);

impl Csv {
    /// A document with its header line (the field names, comma-separated).
    pub fn new(header: &str) -> Self {
        Self(format!("{header}\r\n"))
    }

    /// Appends one record; fields that may hold free text go through [`field`].
    pub fn row(&mut self, fields: &[String]) {
        self.0.push_str(&fields.join(","));
        self.0.push_str("\r\n");
    }

    /// The 200 that downloads the document as `filename`.
    pub fn download(self, filename: &str) -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.0)
    }

    /// The document's text.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// `raw` as one CSV field: quoted (quotes doubled) if it holds a comma, a
/// quote or a line break, as it is otherwise.
pub fn field(raw: &str) -> String {
    if raw.contains([',', '"', '\n']) {
        format!("\"{}\"", raw.replace('"', "\"\""))
    } else {
        raw.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_commas_and_quotes() {
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("plain"), "plain");
    }

    #[test]
    fn records_end_in_crlf_after_the_header() {
        let mut csv = Csv::new("a,b");
        csv.row(&["1".to_owned(), field("x,y")]);
        assert_eq!(csv.into_string(), "a,b\r\n1,\"x,y\"\r\n");
    }
}
