//! What a hostile or careless client can do to the server and must not: exhaust its memory with
//! sign-ins, hold connections open, or get an empty answer to a malformed request.

mod sign_in_flood;
