// The files a user picked for a 'local' data source. They stay in the page (File objects are
// handed to the workers); the config, links and history hold only their names.
import { create } from 'zustand';

export interface LocalFilesState {
  train: File[];
  validation: File[];
  pick(split: 'train' | 'validation', files: File[]): void;
}

export const useLocalFiles = create<LocalFilesState>((set) => ({
  train: [],
  validation: [],
  pick: (split, files) => set({ [split]: files }),
}));
