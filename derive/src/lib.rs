//! `#[derive(Model)]`: turns a struct into a typed Terraform model of terraform-provider-aml.
//!
//! Each named field is one attribute or nested block of the schema, named as the field (a raw
//! identifier such as `r#type` names the attribute `type`). The field's type says its shape
//! through the provider's `Field` trait: `Value<T>` for an attribute, `Option<M>` for a single
//! nested block, `Vec<M>` for a list or set of nested blocks. The generated code:
//!
//! - `Model::fields()`: every field's name and shape, which a test holds against the schema;
//! - `Model::from_attrs` / `Model::into_attrs`: the conversion from and to the wire object;
//! - `FieldType` for the struct, so that it can also be the element of an object-typed attribute;
//! - one associated constant per field holding its attribute name (`Model::NAME == "name"`), for
//!   attribute paths in diagnostics, so that a misspelled name fails the build.
//!
//! The generated code names the provider's items as `crate::tfplugin::model::…`: the macro is
//! for use inside the provider crate.

use proc_macro::TokenStream;
use proc_macro2::Span;
use quote::quote;
use syn::{parse_macro_input, Data, DeriveInput, Fields, Ident};

/// Derives `Model` (and `FieldType`) for a struct with named fields.
#[proc_macro_derive(Model)]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match expand(&input) {
        Ok(ts) => ts.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(input: &DeriveInput) -> syn::Result<proc_macro2::TokenStream> {
    let name = &input.ident;
    let fields = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(f) => &f.named,
            _ => {
                return Err(syn::Error::new_spanned(
                    name,
                    "#[derive(Model)] needs a struct with named fields",
                ))
            }
        },
        _ => {
            return Err(syn::Error::new_spanned(
                name,
                "#[derive(Model)] needs a struct with named fields",
            ))
        }
    };
    if !input.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &input.generics,
            "#[derive(Model)] does not take generic parameters",
        ));
    }

    let m = quote!(crate::tfplugin::model);
    let mut shapes = Vec::new();
    let mut reads = Vec::new();
    let mut writes = Vec::new();
    let mut consts = Vec::new();
    for f in fields {
        let ident = f.ident.as_ref().expect("named field");
        let ty = &f.ty;
        let attr = ident.to_string().trim_start_matches("r#").to_string();
        shapes.push(quote! {
            #m::FieldDef { name: #attr, shape: <#ty as #m::Field>::shape() }
        });
        reads.push(quote! {
            #ident: <#ty as #m::Field>::from_cty(#m::attr_of(attrs, #attr))
        });
        writes.push(quote! {
            attrs.insert(#attr.to_string(), #m::Field::into_cty(self.#ident));
        });
        let const_name = Ident::new(&attr.to_ascii_uppercase(), Span::call_site());
        let doc = format!("The attribute name of `{attr}`.");
        consts.push(quote! {
            #[doc = #doc]
            pub const #const_name: &'static str = #attr;
        });
    }

    Ok(quote! {
        impl #m::Model for #name {
            fn fields() -> ::std::vec::Vec<#m::FieldDef> {
                ::std::vec![#(#shapes),*]
            }

            fn from_attrs(attrs: &#m::Attrs) -> Self {
                #name { #(#reads),* }
            }

            fn into_attrs(self, attrs: &mut #m::Attrs) {
                #(#writes)*
            }
        }

        impl #m::FieldType for #name {
            fn cty_type() -> crate::tfplugin::cty::Type {
                #m::object_type::<#name>()
            }

            fn from_known(value: &crate::tfplugin::cty::Value) -> ::std::option::Option<Self> {
                value.entries().map(<#name as #m::Model>::from_attrs)
            }

            fn into_known(self) -> crate::tfplugin::cty::Value {
                #m::to_value(self)
            }
        }

        #[allow(dead_code)]
        impl #name {
            #(#consts)*
        }
    })
}
