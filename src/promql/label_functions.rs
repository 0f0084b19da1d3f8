//! `label_replace` and `label_join`.

use super::aggregate::valid_label_name;
use super::eval::{invalid, Evaluator, Result};
use super::Sample;
use promql_parser::parser::Call;

impl Evaluator<'_> {
    pub(crate) fn label_replace(&self, c: &Call, t: i64) -> Result<Vec<Sample>> {
        let v = self.eval_vector(self.arg(c, 0)?, t)?;
        let dst = self.eval_string(self.arg(c, 1)?, t)?;
        let repl = self.eval_string(self.arg(c, 2)?, t)?;
        let src = self.eval_string(self.arg(c, 3)?, t)?;
        let re_text = self.eval_string(self.arg(c, 4)?, t)?;
        let re = regex::Regex::new(&format!("^(?:{re_text})$")).map_err(|_| {
            super::EvalError::Invalid(format!(
                "invalid regular expression in label_replace(): {re_text}"
            ))
        })?;
        if !valid_label_name(&dst) {
            return invalid(format!(
                "invalid destination label name in label_replace(): {dst}"
            ));
        }
        let mut out = Vec::with_capacity(v.len());
        for mut s in v {
            let sv = s.labels.get(&src).unwrap_or("").to_string();
            if let Some(caps) = re.captures(&sv) {
                let mut res = String::new();
                caps.expand(&repl, &mut res);
                s.labels.set(&dst, &res);
            }
            out.push(s);
        }
        Ok(out)
    }

    pub(crate) fn label_join(&self, c: &Call, t: i64) -> Result<Vec<Sample>> {
        let v = self.eval_vector(self.arg(c, 0)?, t)?;
        let dst = self.eval_string(self.arg(c, 1)?, t)?;
        let sep = self.eval_string(self.arg(c, 2)?, t)?;
        let mut srcs = Vec::new();
        for a in c.args.args.iter().skip(3) {
            let s = self.eval_string(a, t)?;
            if !valid_label_name(&s) {
                return invalid(format!("invalid source label name in label_join(): {s}"));
            }
            srcs.push(s);
        }
        if !valid_label_name(&dst) {
            return invalid(format!(
                "invalid destination label name in label_join(): {dst}"
            ));
        }
        Ok(v.into_iter()
            .map(|mut s| {
                let joined: Vec<&str> =
                    srcs.iter().map(|n| s.labels.get(n).unwrap_or("")).collect();
                let joined = joined.join(&sep);
                s.labels.set(&dst, &joined);
                s
            })
            .collect())
    }
}
