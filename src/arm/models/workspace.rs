//! (to be filled: typed bodies of this ARM type)
