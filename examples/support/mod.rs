//! What the examples share: a small raster plotter that writes PNG files a person can read
//! (axes with ticks and labels, a title, a colour bar), with a perceptually uniform colour
//! map. Text is drawn with an 8×8 bitmap font, so no system fonts are needed.
#![allow(dead_code)]

pub mod plot;
