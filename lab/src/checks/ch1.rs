//! Chapter 1: reversing a line.

use crate::check::{expect_eq, Check};

pub struct Impl {
    pub reverse: fn(&str) -> String,
}

pub fn checks() -> Vec<Check<Impl>> {
    vec![
        Check {
            name: "reverses_ascii",
            expect: "reverse(\"hello\") is \"olleh\"",
            hint: "Take the characters of the line from last to first.",
            section: "tutorial/01-listen-and-accept.md#answering",
            run: |lab| {
                for (line, reversed) in [("hello", "olleh"), ("ab c", "c ba"), ("x", "x"), ("", "")]
                {
                    expect_eq(format!("reverse({line:?})"), reversed, &(lab.reverse)(line))?;
                }
                Ok(())
            },
        },
        Check {
            name: "reverses_characters_not_bytes",
            expect: "reverse(\"你好，世界\") is \"界世，好你\"",
            hint: "A Chinese character is three bytes of UTF-8. Reversing the bytes, as \
                   PHP's strrev does, breaks every one of them: reverse `line.chars()`.",
            section: "tutorial/01-listen-and-accept.md#what-goes-wrong-in-the-php-version",
            run: |lab| {
                for (line, reversed) in [("你好，世界", "界世，好你"), ("测试 ok", "ko 试测")]
                {
                    expect_eq(format!("reverse({line:?})"), reversed, &(lab.reverse)(line))?;
                }
                Ok(())
            },
        },
    ]
}
