//! A minimal reader for the embedded CSV tables in `crates/core/data/`.
//!
//! The tables are ours and simple (no quoting, no commas inside fields), so a split on `,`
//! is enough; a test checks every row has as many fields as the header.

/// One parsed table: the header names and the data rows, each split into fields.
pub(crate) struct Table<'a> {
    header: Vec<&'a str>,
    rows: Vec<Vec<&'a str>>,
}

impl<'a> Table<'a> {
    /// Splits `text` into header and rows, skipping blank lines.
    ///
    /// Panics when a row's field count differs from the header's: the tables are compiled
    /// in, so this can only fire on a broken edit of `data/`, which the unit tests catch.
    pub(crate) fn parse(name: &str, text: &'a str) -> Table<'a> {
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
        let rows: Vec<Vec<&str>> = lines
            .map(|line| {
                let fields: Vec<&str> = line.split(',').map(str::trim).collect();
                assert_eq!(
                    fields.len(),
                    header.len(),
                    "data/{name}: row has {} fields, header has {}: {line}",
                    fields.len(),
                    header.len()
                );
                fields
            })
            .collect();
        Table { header, rows }
    }

    /// The data rows, each as a lookup by column name.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_, 'a>> {
        self.rows.iter().map(move |fields| Row {
            header: &self.header,
            fields,
        })
    }
}

/// One row of a [`Table`].
pub(crate) struct Row<'t, 'a> {
    header: &'t [&'a str],
    fields: &'t [&'a str],
}

impl<'a> Row<'_, 'a> {
    /// The field in column `name`. Panics on an unknown column (a programming error).
    pub(crate) fn get(&self, name: &str) -> &'a str {
        let i = self.header.iter().position(|h| *h == name);
        let i = i.unwrap_or_else(|| panic!("no column {name}"));
        self.fields[i]
    }

    /// The field in column `name` as an integer. Panics when it is not one (a broken table).
    pub(crate) fn int(&self, name: &str) -> u32 {
        let text = self.get(name);
        text.parse()
            .unwrap_or_else(|_| panic!("column {name}: not an integer: {text:?}"))
    }
}
