//! Declarations of one kind, in source order, found by name in constant time.

use foldhash::{HashMap, HashMapExt};

/// Items in declaration order with an index by name. The first declaration
/// of a name wins; duplicates are reported by `names` and not inserted.
#[derive(Clone, Debug, PartialEq)]
pub struct Table<T> {
    items: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            items: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<T> Table<T> {
    /// Adds `item` under `name`; when the name is taken, returns the item
    /// already there and leaves the table unchanged.
    pub fn insert(&mut self, name: &str, item: T) -> Result<(), &T> {
        if let Some(&i) = self.index.get(name) {
            return Err(&self.items[i]);
        }
        self.index.insert(name.to_string(), self.items.len());
        self.items.push(item);
        Ok(())
    }

    pub fn get(&self, name: &str) -> Option<&T> {
        self.index.get(name).and_then(|&i| self.items.get(i))
    }

    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        match self.index.get(name) {
            Some(&i) => self.items.get_mut(i),
            None => None,
        }
    }

    /// The position of `name` in declaration order: its id (see `DeclId`).
    pub fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// The item at a position given by [`Table::position`].
    pub fn at(&self, position: usize) -> Option<&T> {
        self.items.get(position)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.index.contains_key(name)
    }

    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        self.items.iter()
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
