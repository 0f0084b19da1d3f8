//! Outliers across instances by robust z-score: how many median absolute
//! deviations a value sits from the median (Iglewicz and Hoaglin's modified
//! z-score, `0.6745 (x - median) / MAD`). When more than half the values are
//! equal the MAD is zero; the mean absolute deviation (scaled by 1.2533)
//! stands in, and when that is zero too nothing is an outlier.

/// Values whose |z| is above this are outliers.
pub const THRESHOLD: f64 = 3.5;
/// Fewer values than this have no outliers.
const MIN_VALUES: usize = 3;

fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// The robust z-score of each value; `None` for missing or non-finite
/// values and for every value when there are too few or no spread.
pub fn robust_z(values: &[Option<f64>]) -> Vec<Option<f64>> {
    let mut xs: Vec<f64> = values
        .iter()
        .flatten()
        .copied()
        .filter(|v| v.is_finite())
        .collect();
    if xs.len() < MIN_VALUES {
        return vec![None; values.len()];
    }
    xs.sort_by(f64::total_cmp);
    let med = median(&xs);
    let mut dev: Vec<f64> = xs.iter().map(|x| (x - med).abs()).collect();
    dev.sort_by(f64::total_cmp);
    let mad = median(&dev);
    let scale = if mad > 0.0 {
        mad / 0.6745
    } else {
        let mean_ad = dev.iter().sum::<f64>() / dev.len() as f64;
        mean_ad * 1.253_314
    };
    if !(scale > 0.0 && scale.is_finite()) {
        return vec![None; values.len()];
    }
    values
        .iter()
        .map(|v| v.filter(|v| v.is_finite()).map(|v| (v - med) / scale))
        .collect()
}

/// Which values are outliers on the bad side of the fleet (z beyond
/// [`THRESHOLD`]): above it for signals where higher is worse (latency,
/// errors, CPU, saturation), below it when `lower_is_worse`. An instance
/// better than the fleet is not marked: the mark asks for attention.
pub fn flags(values: &[Option<f64>], lower_is_worse: bool) -> Vec<bool> {
    let sign = if lower_is_worse { -1.0 } else { 1.0 };
    robust_z(values)
        .into_iter()
        .map(|z| z.is_some_and(|z| sign * z > THRESHOLD))
        .collect()
}

/// Indices of the `n` highest values, highest first (missing values never).
pub fn worst(values: &[Option<f64>], n: usize) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..values.len())
        .filter(|i| values[*i].is_some_and(f64::is_finite))
        .collect();
    idx.sort_by(|a, b| {
        let (x, y) = (values[*a].unwrap_or(0.0), values[*b].unwrap_or(0.0));
        y.total_cmp(&x).then(a.cmp(b))
    });
    idx.truncate(n);
    idx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hot_instance_stands_out() {
        let v = [
            Some(0.20),
            Some(0.22),
            Some(0.21),
            Some(0.95),
            Some(0.19),
            Some(0.23),
        ];
        assert_eq!(flags(&v, false), [false, false, false, true, false, false]);
        let z = robust_z(&v);
        assert!(z[3].unwrap() > 3.5);
        assert!(z[0].unwrap().abs() < 3.5);
    }

    #[test]
    fn low_outliers_count_only_where_lower_is_worse() {
        let v = [
            Some(10.0),
            Some(11.0),
            Some(10.5),
            Some(9.5),
            Some(0.0),
            Some(10.2),
        ];
        assert!(flags(&v, true)[4]);
        // 0 % errors where the fleet errs is better, not worse: no mark.
        assert_eq!(flags(&v, false), [false; 6]);
        assert!(robust_z(&v)[4].unwrap() < -THRESHOLD);
    }

    #[test]
    fn median_and_mad_resist_the_outlier_itself() {
        // A mean and standard deviation would be dragged up by 1000 and
        // flag nothing; median and MAD still see it.
        let v = [Some(1.0), Some(2.0), Some(3.0), Some(1000.0)];
        assert_eq!(flags(&v, false), [false, false, false, true]);
    }

    #[test]
    fn identical_values_have_no_outliers_and_a_lone_differing_one_does() {
        assert_eq!(flags(&[Some(0.5); 5], false), [false; 5]);
        let v = [Some(0.0), Some(0.0), Some(0.0), Some(0.0), Some(0.3)];
        assert_eq!(flags(&v, false), [false, false, false, false, true]);
    }

    #[test]
    fn missing_and_odd_values_are_skipped() {
        let v = [None, Some(f64::NAN), Some(1.0), Some(1.1)];
        assert_eq!(robust_z(&v), [None; 4]);
        let v = [
            None,
            Some(f64::INFINITY),
            Some(1.0),
            Some(1.1),
            Some(0.9),
            Some(50.0),
        ];
        let f = flags(&v, false);
        assert_eq!(f, [false, false, false, false, false, true]);
        assert!(robust_z(&[]).is_empty());
    }

    #[test]
    fn worst_names_the_highest_first() {
        let v = [Some(0.1), None, Some(0.9), Some(0.5), Some(0.9)];
        assert_eq!(worst(&v, 3), [2, 4, 3]);
        assert_eq!(worst(&[None, None], 3), Vec::<usize>::new());
    }
}
