//! CSV (RFC 4180) as the gateway's downloads write it (the driver's access
//! history, monthly statements), through the `csv` crate: a header record,
//! then one record per row, CRLF line ends, a field quoted only when it holds
//! a comma, a quote or a line break; and the answer that downloads it as an
//! attachment.

use actix_web::HttpResponse;

use crate::problem::ApiError;

/// A CSV document being written.
#[derive(Debug)]
pub struct Csv(csv::Writer<Vec<u8>>);

impl Csv {
    /// A document with its header record.
    pub fn new(header: &[&str]) -> Result<Self, ApiError> {
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(Vec::new());
        let mut csv = Self(writer);
        csv.row(header)?;
        Ok(csv)
    }

    /// Appends one record, quoting what needs it.
    pub fn row<T: AsRef<[u8]>>(&mut self, fields: &[T]) -> Result<(), ApiError> {
        self.0.write_record(fields).map_err(ApiError::internal)
    }

    /// The 200 that downloads the document as `filename`.
    pub fn download(self, filename: &str) -> Result<HttpResponse, ApiError> {
        Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .insert_header((
                "content-disposition",
                format!("attachment; filename=\"{filename}\""),
            ))
            .body(self.into_bytes()?))
    }

    /// The document's bytes.
    fn into_bytes(self) -> Result<Vec<u8>, ApiError> {
        self.0
            .into_inner()
            .map_err(|e| ApiError::internal(e.error().to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_end_in_crlf_and_only_fields_that_need_it_are_quoted() {
        let mut csv = Csv::new(&["a", "b"]).unwrap();
        csv.row(&["x,y", "say \"hi\""]).unwrap();
        csv.row(&["plain", "two\nlines"]).unwrap();
        assert_eq!(
            String::from_utf8(csv.into_bytes().unwrap()).unwrap(),
            "a,b\r\n\"x,y\",\"say \"\"hi\"\"\"\r\nplain,\"two\nlines\"\r\n"
        );
    }
}
