//! The class registry: the CRM classes the client works with, as one enum. Every list of
//! classes (the local store's object stores, the Live Query classes, the fuzz targets) derives
//! from [`CrmClass::ALL`], and [`with_model!`](crate::with_model) runs generic code over the
//! model type of a class known only at run time, so no code matches class names by hand.
//! Adding a class is adding a variant: the compiler then points at every `with_model!` arm.

use crate::schema::{ClassSchema, HasSchema};
use crate::wire::ParseClass;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum CrmClass {
    Company,
    Contact,
    Deal,
    Activity,
}

/// Runs `$body` with `$T` bound to the model type of `$class` (a [`CrmClass`]).
#[macro_export]
macro_rules! with_model {
    ($class:expr, $T:ident => $body:expr) => {
        match $class {
            $crate::class::CrmClass::Company => {
                type $T = $crate::models::Company;
                $body
            }
            $crate::class::CrmClass::Contact => {
                type $T = $crate::models::Contact;
                $body
            }
            $crate::class::CrmClass::Deal => {
                type $T = $crate::models::Deal;
                $body
            }
            $crate::class::CrmClass::Activity => {
                type $T = $crate::models::Activity;
                $body
            }
        }
    };
}

impl CrmClass {
    pub const ALL: [CrmClass; 4] = [
        CrmClass::Company,
        CrmClass::Contact,
        CrmClass::Deal,
        CrmClass::Activity,
    ];

    /// Parse's class name.
    pub fn name(self) -> &'static str {
        with_model!(self, T => T::CLASS_NAME)
    }

    pub fn from_name(name: &str) -> Option<CrmClass> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    pub fn schema(self) -> &'static ClassSchema {
        with_model!(self, T => T::SCHEMA)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_schemas_and_lookup_agree() {
        for class in CrmClass::ALL {
            assert_eq!(CrmClass::from_name(class.name()), Some(class));
            assert_eq!(class.schema().class_name, class.name());
            assert!(crate::schema::for_class(class.name()).is_some());
        }
        assert_eq!(CrmClass::from_name("_User"), None);
        assert_eq!(CrmClass::from_name("deal"), None);
    }
}
