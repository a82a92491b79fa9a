//! The macro that declares entity structs with the serde attributes they all share.

/// Declares one entity struct: PascalCase JSON names, every field optional and read through
/// [`super::lenient`], and an `extra` map that keeps every property the struct does not name.
macro_rules! entity_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[$field_meta:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "PascalCase")]
        pub struct $name {
            $(
                $(#[$field_meta])*
                #[serde(
                    default,
                    deserialize_with = "crate::entities::lenient::de",
                    skip_serializing_if = "crate::entities::lenient::absent"
                )]
                pub $field: $ty,
            )*
            /// Properties this type does not name, kept exactly as they came.
            #[serde(flatten)]
            pub extra: serde_json::Map<String, serde_json::Value>,
        }
    };
}
