"""The card's photon selection and the user cut-expression language, on kernel rows and on columns."""
