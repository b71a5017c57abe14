//! Entity ids that are never reused, and the one-line explanation of why a
//! record joined an entity.

use super::LinkError;

/// Hands out new entity ids after the highest one ever used, in the same
/// shape: `41` → `42`; `E000041` → `E000042`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdAllocator {
    prefix: String,
    width: usize,
    next: u64,
}

impl IdAllocator {
    /// From every id in use (the master's and, when given, the crosswalk's,
    /// which remembers ids of entities since removed from the master).
    pub fn after<'a>(ids: impl IntoIterator<Item = &'a str>) -> Result<IdAllocator, LinkError> {
        let mut allocator: Option<IdAllocator> = None;
        let mut example = String::new();
        for id in ids {
            let id = id.trim();
            if id.is_empty() {
                continue;
            }
            let digits = id.len() - id.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (prefix, number) = id.split_at(id.len() - digits);
            let Ok(value) = number.parse::<u64>() else {
                return Err(LinkError::UnnumberedEntityId(id.to_string()));
            };
            let width = if number.starts_with('0') && number.len() > 1 {
                number.len()
            } else {
                0
            };
            match &mut allocator {
                None => {
                    example = id.to_string();
                    allocator = Some(IdAllocator {
                        prefix: prefix.to_string(),
                        width,
                        next: value + 1,
                    });
                }
                Some(a) => {
                    if a.prefix != prefix {
                        return Err(LinkError::MixedEntityIds(example, id.to_string()));
                    }
                    a.width = a.width.max(width);
                    a.next = a.next.max(value + 1);
                }
            }
        }
        Ok(allocator.unwrap_or(IdAllocator {
            prefix: String::new(),
            width: 0,
            next: 1,
        }))
    }

    pub fn next_id(&mut self) -> String {
        let id = format!("{}{:0width$}", self.prefix, self.next, width = self.width);
        self.next += 1;
        id
    }
}

/// `email exact +9.1; phone exact +6.3; first_name different −2.0`: the
/// fields that moved the score most, strongest first.
pub fn explanation(fields: &[(&str, &str, f64)], top: usize) -> String {
    let mut order: Vec<usize> = (0..fields.len()).collect();
    order.sort_by(|&a, &b| {
        fields[b]
            .2
            .abs()
            .total_cmp(&fields[a].2.abs())
            .then(a.cmp(&b))
    });
    order
        .into_iter()
        .filter(|&i| fields[i].2.abs() >= 0.05)
        .take(top)
        .map(|i| {
            let (name, level, weight) = fields[i];
            format!("{name} {level} {weight:+.1}")
        })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_ids_follow_the_highest_in_the_same_shape() {
        let mut ids = IdAllocator::after(["3", "41", "7"]).unwrap();
        assert_eq!(ids.next_id(), "42");
        assert_eq!(ids.next_id(), "43");
        let mut ids = IdAllocator::after(["E000041", "E000002"]).unwrap();
        assert_eq!(ids.next_id(), "E000042");
        let mut ids = IdAllocator::after(Vec::<&str>::new()).unwrap();
        assert_eq!(ids.next_id(), "1");
        assert!(IdAllocator::after(["A1", "B2"]).is_err());
        assert!(IdAllocator::after(["abc"]).is_err());
    }

    #[test]
    fn explanations_list_the_strongest_fields() {
        let fields = [
            ("first_name", "exact", 3.2),
            ("email", "exact", 9.14),
            ("phone", "missing", 0.0),
            ("birth_date", "different", -4.0),
        ];
        assert_eq!(
            explanation(&fields, 3),
            "email exact +9.1; birth_date different -4.0; first_name exact +3.2"
        );
    }
}
